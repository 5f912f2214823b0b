package dev.quilt.linux;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;

/**
 * The system's reason for a failed file operation, in its own lowercase words
 * ({@code permission denied}, {@code no space left on device}), for messages that
 * name the file themselves. Never the JDK's rendering of the exception, which
 * repeats the path or says nothing ({@code AccessDeniedException}'s message is
 * only the path).
 */
public final class IoErrors {
    private IoErrors() {}

    public static String why(IOException e) {
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileAlreadyExistsException) return "file exists";
        if (e instanceof DirectoryNotEmptyException) return "directory not empty";
        if (e instanceof NotDirectoryException) return "not a directory";
        String why = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        if (why == null || why.isBlank()) return "input/output error";
        return why.strip().toLowerCase(Locale.ROOT).replace('\n', ' ');
    }
}
