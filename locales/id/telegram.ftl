# Jejak: messages of the telegram part (id). Keep the ids in step with locales/en/telegram.ftl.
