# Jejak: the web chat page's own texts (en). Keep the ids in step with locales/id/webchat.ftl.
# What the bot says in the chat comes from bot.ftl and the flow, as on every channel.

web-title = Alumni survey
web-intro = Answer by tapping a button or typing. You may stop at any time and continue later from the same link.
web-placeholder = Type your answer…
web-send = Send
web-done = Done
web-you = You
web-sending = Sending…
web-offline = Not sent yet: the internet connection dropped. We keep trying.
web-slow-down = Too many requests in a short time. Wait a moment, then try again.
web-server-error = The server has a problem. We will try again shortly.
web-no-script = This page needs JavaScript. Turn JavaScript on in your browser, or use the Telegram/WhatsApp link from your school.
web-not-found-title = Unknown link
web-not-found = Sorry, this link is not known. Check the link you were sent (copy all of it), or contact your school or institution.
web-slow-down-title = Please wait
web-reload = This page needs to be reloaded. Reload the page, then try again.
web-too-long = The message is too long. Shorten your answer, then send it again.
web-taken-title = The link was opened on another device
web-taken = This personal link is already in use in another browser or phone, so your answers can only be continued there. If that was not you, or you changed phones, contact your school or institution.

# logscan: the open link's identity matched a respondent whose link is in use elsewhere
web-token-taken = Sorry, these details are already in use in another browser, phone or chat app. If that was not you, please contact your school or institution.
