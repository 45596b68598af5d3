// Keeps the generated-proto library non-empty before any schema exists.
