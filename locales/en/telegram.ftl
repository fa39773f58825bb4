# Jejak: messages of the telegram part (en). Keep the ids in step with locales/id/telegram.ftl.
