# Jejak: messages of the waves part (en). Keep the ids in step with locales/id/waves.ftl.
