# Jejak: messages of the roster part (id). Keep the ids in step with locales/en/roster.ftl.
