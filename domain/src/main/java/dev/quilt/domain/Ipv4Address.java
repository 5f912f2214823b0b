package dev.quilt.domain;

/** An IPv4 address as its 32 bits, printed and parsed dotted-quad. */
public record Ipv4Address(int bits) implements Comparable<Ipv4Address> {

    public static Ipv4Address parse(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) throw bad(s);
        int bits = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
                    || (p.length() > 1 && p.charAt(0) == '0')) {
                throw bad(s);
            }
            int v = Integer.parseInt(p);
            if (v > 255) throw bad(s);
            bits = (bits << 8) | v;
        }
        return new Ipv4Address(bits);
    }

    private static QuiltException bad(String s) {
        return QuiltException.invalid("invalid IPv4 address '" + Identifiers.printable(s) + "': use a.b.c.d");
    }

    public Ipv4Address plus(long n) {
        return new Ipv4Address((int) (Integer.toUnsignedLong(bits) + n));
    }

    /** The four bytes, most significant first. */
    public byte[] bytes() {
        return new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
    }

    @Override
    public int compareTo(Ipv4Address o) {
        return Integer.compareUnsigned(bits, o.bits);
    }

    @Override
    public String toString() {
        return (bits >>> 24) + "." + ((bits >>> 16) & 0xff) + "." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
    }
}
