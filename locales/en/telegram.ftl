# Jejak: messages of the telegram part (en). Keep the ids in step with locales/id/telegram.ftl.

tg-done = ✔️ Done
tg-need-link = Hello! This survey uses personal links. Please open the link your school or institution sent you to start.
tg-bad-token = Sorry, this link is not known. Please check the link you were sent, or contact your school or institution.
tg-token-taken = Sorry, this link is already in use on another Telegram account. If that was not you, please contact your school or institution.
tg-other-link = This chat is already linked to another survey participant. If something is wrong, please contact your school or institution.
tg-only-text = Sorry, I can only read text and buttons. Please type your answer.
tg-cmd-start = Start or continue the survey
tg-cmd-back = Go back to the previous question
tg-cmd-skip = Skip the question (if allowed)
tg-cmd-summary = See your answers
tg-cmd-language = Change language
tg-cmd-restart = Restart the survey
tg-cmd-stop = Stop taking part
tg-cmd-help = Help
tg-cmd-mydata = See the data stored about you
tg-cmd-edit = Change one of your answers
tg-cmd-delete = Delete your data and answers
