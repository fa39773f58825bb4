# Jejak: messages of the whatsapp part (en). Keep the ids in step with locales/id/whatsapp.ftl.

wa-unknown-number = Hello! This is the alumni tracer study survey. This WhatsApp number is not in our alumni records yet. Please open the invitation link from your school or training centre, or send: START <your invitation code>.
wa-token-unknown = Sorry, we do not recognise that invitation code. Please check the link or code from your school or training centre, then send: START <invitation code>.
wa-bind-refused = Sorry, this invitation code is already used with another WhatsApp number, or this number is registered for another alumnus. To keep the data safe we cannot continue from this number. Please contact your school or training centre.
wa-unsupported = Sorry, I can only read text messages and button choices. Please answer by typing or by choosing a button.
wa-list-button = Choose
