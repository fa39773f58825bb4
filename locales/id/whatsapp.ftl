# Jejak: messages of the whatsapp part (id). Keep the ids in step with locales/en/whatsapp.ftl.
