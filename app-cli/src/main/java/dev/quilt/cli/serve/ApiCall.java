package dev.quilt.cli.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One request and the means to answer it, as a route sees it. Exactly one of {@link #reply}, {@link #replyEmpty},
 * {@link #replyBytes}, {@link #stream} or {@link #hijack} answers a call; a second answer is a bug
 * ({@link IllegalStateException}).
 */
public interface ApiCall {
    String method();

    /** The path as sent, without the query and without its {@code /v1.NN} prefix. */
    String path();

    /** The API version the client asked for (its path's {@code /v1.NN}), else {@link Router#API_VERSION}. */
    String version();

    /** A path parameter ({@code {id}} of the route), decoded. */
    String param(String name);

    /** A query parameter's first value, decoded. */
    Optional<String> query(String name);

    /** Every value of a repeated query parameter. */
    List<String> queries(String name);

    /**
     * A boolean query parameter as docker reads one: absent is {@code absent}; {@code 1}, {@code true} (any case)
     * are true; {@code 0}, {@code false} and empty are false; anything else is a 400 naming the parameter.
     */
    default boolean flag(String name, boolean absent) {
        Optional<String> v = query(name);
        if (v.isEmpty()) return absent;
        String s = v.get().strip().toLowerCase(java.util.Locale.ROOT);
        if (s.equals("1") || s.equals("true")) return true;
        if (s.isEmpty() || s.equals("0") || s.equals("false")) return false;
        throw ApiException.badRequest("invalid value for " + name + ": '" + v.get() + "' is not a boolean");
    }

    /** An integer query parameter; absent is {@code absent}; not an integer is a 400 naming it. */
    default long number(String name, long absent) {
        Optional<String> v = query(name);
        if (v.isEmpty() || v.get().isBlank()) return absent;
        try {
            return Long.parseLong(v.get().strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid value for " + name + ": '" + v.get() + "' is not an integer");
        }
    }

    /** A request header's first value. */
    Optional<String> header(String name);

    /** Who sent it. */
    Peer peer();

    /** The body, streamed as it arrives; ends at the body's end. */
    InputStream body();

    /**
     * The most a JSON body may have, in bytes: 16 MiB. Room for the largest argv and environment execve takes
     * (ARG_MAX is at most 6 MiB) even with every byte escaped, and under Jackson's own 20,000,000-character cap on
     * one string, so that this is the one size refusal a JSON body meets. dockerd sets none (it decodes whatever
     * comes); here a body is read into the heap, and a bound keeps a client's mistake from filling it. Files and
     * images are streams ({@code PUT /containers/{id}/archive}, {@code POST /images/load}) and have no bound.
     */
    long JSON_LIMIT = 16L << 20;

    /**
     * The body as JSON; an empty body is an empty object; anything not JSON is a 400; a body over
     * {@link #JSON_LIMIT} (by its Content-Length, before anything is read, or as it comes) is a 413 saying so.
     */
    default JsonNode json() {
        Optional<String> declared = header("Content-Length");
        try {
            if (declared.isPresent() && Long.parseLong(declared.get().strip()) > JSON_LIMIT) throw tooLarge();
        } catch (NumberFormatException e) {
            // the HTTP decoder refuses a malformed length before a route runs; nothing to add here
        }
        try {
            byte[] b = jsonBody().readNBytes((int) JSON_LIMIT + 1);
            if (b.length > JSON_LIMIT) throw tooLarge();
            if (b.length == 0) return JsonNodeFactory.instance.objectNode();
            JsonNode n = ApiJson.MAPPER.readTree(b);
            return n == null ? JsonNodeFactory.instance.objectNode() : n;
        } catch (JsonProcessingException e) {
            // the parser's own text names Java types and limits: say where, not what the parser thought
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw ApiException.badRequest("the request body is not valid JSON" + (at == null ? ""
                    : " (at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw ApiException.badRequest(e.getMessage() == null ? "the request body could not be read" : e.getMessage());
        }
    }

    /** 413 Request Entity Too Large, naming the bound and where larger things go. */
    private static ApiException tooLarge() {
        return new ApiException(413, "the request body is over " + (JSON_LIMIT >> 20) + " MiB, the most a JSON body"
                + " may have; send less (files go as a tar through PUT /containers/{id}/archive)");
    }

    /**
     * The body that {@link #json} reads: {@link #body()}, which the server's calls bound in time (the request's
     * deadline, as Go's http.Server {@code ReadTimeout} bounds one).
     */
    default InputStream jsonBody() {
        return body();
    }

    /** Answers with {@code status} and {@code body} as JSON. */
    void reply(int status, Object body);

    /** Answers with {@code status} and no body (204, 304). */
    void replyEmpty(int status);

    /** Answers with {@code status}, these bytes as {@code contentType}, and extra headers. */
    void replyBytes(int status, String contentType, byte[] body, Map<String, String> headers);

    /**
     * Answers with {@code status} and a chunked body the route writes as it goes; closing the stream ends the
     * response. Writes throw {@link IOException} once the client has gone.
     */
    OutputStream stream(int status, String contentType, Map<String, String> headers);

    /**
     * Takes the connection over (Docker's hijack): answers 101 UPGRADED ({@code Upgrade: tcp}) when the client
     * asked to upgrade, else 200, with {@code contentType}; then raw bytes both ways.
     */
    Hijacked hijack(String contentType);

    /** Whether an answer has begun. */
    boolean replied();

    /** Whether the client is still connected. */
    boolean open();

    /** Runs {@code r} when the connection closes (at once if it has). */
    void onClose(Runnable r);
}
