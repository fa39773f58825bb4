# Jejak: messages of the whatsapp part (en). Keep the ids in step with locales/id/whatsapp.ftl.
