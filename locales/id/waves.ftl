# Jejak: messages of the waves part (id). Keep the ids in step with locales/en/waves.ftl.
