# Jejak: messages of the roster part (en). Keep the ids in step with locales/id/roster.ftl.
