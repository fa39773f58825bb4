# Jejak: messages of the roster part (en). Keep the ids in step with locales/id/roster.ftl.

# Open link: the respondent proves they are on the roster.
identity-ask = To make sure you are a registered graduate, send your student number (NISN/NIM) and your date of birth in one message, for example: 0012345678 17-08-2005
identity-wrong = That does not match the graduate list. Attempts left: { $attempts }.
identity-locked = Too many wrong attempts. Please try again in { $minutes } minutes, or contact your school or institution.
identity-ok = Thank you, { $name }. Your details match; let us begin.
