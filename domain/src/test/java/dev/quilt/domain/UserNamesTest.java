package dev.quilt.domain;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserNamesTest {
    static final String PASSWD = "# users\nroot:x:0:0:root:/root:/bin/sh\n\nnobody:x:65534:65534:nobody:/:/bin/false\n"
            + "app:x:1000:1001::/home/app:/bin/sh\napp:x:2000:2000::/:/bin/sh\n";
    static final String GROUP = "root:x:0:\nnogroup:x:65534:\nstaff:x:50:app\n";

    @Test
    void numbersAreTakenAsTheyAre() {
        assertTrue(UserNames.numeric("1000"));
        assertTrue(UserNames.numeric("1000:50"));
        assertFalse(UserNames.numeric("nobody"));
        assertFalse(UserNames.numeric("1000:nogroup"));
        assertEquals(new User(1000, 1000), UserNames.resolve("1000", "", ""));
        assertEquals(new User(1000, 50), UserNames.resolve("1000:50", "", ""));
    }

    @Test
    void aUserNameIsItsFirstPasswdLineWithItsGroup() {
        assertEquals(new User(65534, 65534), UserNames.resolve("nobody", PASSWD, GROUP));
        assertEquals(new User(1000, 1001), UserNames.resolve("app", PASSWD, GROUP));
        assertEquals(new User(0, 0), UserNames.resolve("root", PASSWD, GROUP));
    }

    @Test
    void aGroupNameIsItsGroupLine() {
        assertEquals(new User(65534, 65534), UserNames.resolve("nobody:nogroup", PASSWD, GROUP));
        assertEquals(new User(1000, 50), UserNames.resolve("app:staff", PASSWD, GROUP));
        assertEquals(new User(1000, 65534), UserNames.resolve("1000:nogroup", PASSWD, GROUP));
        assertEquals(new User(65534, 7), UserNames.resolve("nobody:7", PASSWD, GROUP));
    }

    @Test
    void unknownNamesAndBadSpecsAreInvalidInputSayingWhere() {
        QuiltException u = assertThrows(QuiltException.class, () -> UserNames.resolve("nosuch", PASSWD, GROUP));
        assertEquals(QuiltException.Kind.INVALID_INPUT, u.kind());
        assertEquals("unable to find user nosuch: no matching entries in the container's /etc/passwd", u.getMessage());
        QuiltException g = assertThrows(QuiltException.class, () -> UserNames.resolve("nobody:wheel", PASSWD, GROUP));
        assertEquals("unable to find group wheel: no matching entries in the container's /etc/group", g.getMessage());
        assertThrows(QuiltException.class, () -> UserNames.resolve("nobody", "", ""));
        for (String bad : new String[] {"a:b:c", ":nogroup", "nobody:", "x\ny"}) {
            QuiltException e = assertThrows(QuiltException.class, () -> UserNames.resolve(bad, PASSWD, GROUP), bad);
            assertTrue(e.getMessage().startsWith("invalid user '"), e.getMessage());
        }
        QuiltException broken = assertThrows(QuiltException.class,
                () -> UserNames.resolve("odd", "odd:x:minus:0::/:/bin/sh\n", GROUP));
        assertTrue(broken.getMessage().contains("is not an id"), broken.getMessage());
    }
}
