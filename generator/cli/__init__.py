"""The command line: parse options, call the library, print, choose the exit code."""
