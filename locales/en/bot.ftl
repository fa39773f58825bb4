# Jejak bot messages in English.

consent-title = Consent to use your data
consent-purpose = Purpose
consent-data = Data collected
consent-retention = How long it is kept
consent-rights = Your rights
consent-ask = Do you agree to take part in this survey? Reply yes or no.
consent-reprompt = Please reply yes if you agree, or no if you do not.
consent-declined = All right, thank you for your time. You will not be asked again in this survey. If you change your mind, type /start.

progress = Question { $n } of { $total }
optional-hint = (You may skip this: type /skip)
hint-single = Reply with the number of your choice.
hint-multi = You may choose more than one; write the numbers separated by commas, e.g. 1, 3.
hint-likert = Reply with a number from { $from } ({ $low }) to { $to } ({ $high }).
hint-yesno = Reply yes or no.
hint-text = Write your answer.
hint-integer = Write a number, e.g. 12.
hint-decimal = Write a number, e.g. 3.5.
hint-money = Write an amount in rupiah, e.g. 3500000 or 3.5 million (3,5 juta).
hint-date = Write a date, e.g. 17 August 2024 or 17/08/2024.
hint-month-year = Write a month and year, e.g. January 2024 or 01/2024.
hint-phone = Write a phone number, e.g. 0812-3456-7890.
hint-email = Write an email address, e.g. name@example.com.

err-empty = The answer is empty.
err-text-short = That is too short: at least { $min } characters.
err-text-long = That is too long: at most { $max } characters.
err-number = Sorry, we could not read that answer.
err-min = That number is too small: at least { $min }.
err-max = That number is too large: at most { $max }.
err-min-answer = Going by your earlier answer, the number is at least { $min }.
err-max-answer = Going by your earlier answer, the number is at most { $max }.
unsure-ask = *{ $answer }*, are you sure?
unsure-default = This is far from the usual for this question.
unsure-hint = Reply *yes* to keep it, or write the right answer.
unsure-retry = All right, please write the right answer.
err-choice =
    Sorry, that is not one of the choices. { $count ->
        [1] Reply with 1.
        [2] Reply with 1 or 2.
       *[other] Reply with a number from 1 to { $count }.
    }
err-choice-words = You may also write its name or part of it, e.g. "{ $example }".
err-choice-which = Number { $number } could mean two choices: "{ $shown }" (number { $number } in the list) or "{ $coded }" (code { $number }). Which one do you mean? Reply with its name or press its button.
err-pattern = Sorry, that answer is not in the expected form. Please check it and write it again.
err-date-min = That date is too early: { $min } at the earliest.
err-date-max = That date cannot be used: { $max } at the latest.
hint-date-or-month = Write a date, e.g. 17 August 2024, or just the month and year, e.g. September 2024.
unit-converted = Noted: { $value }.
err-picks-min = Choose at least { $min }.
err-picks-max = Choose at most { $max }.
err-exclusive = "{ $option }" cannot be combined with other choices.
err-likert = Reply with a number from { $from } to { $to }.
err-yesno = Sorry, please reply yes or no.
hint-grid = Reply with { $count } numbers at once, in this order: { $scales }. For example «{ $example }».
err-grid-count = Please write { $count } numbers, one for each rating, in this order: { $scales }. For example «{ $example }».
err-grid-range = The number for { $scale } must be from { $from } to { $to }.

skip-not-allowed = This question must be answered; it cannot be skipped.
skipped = Skipped.
back-at-start = This is already the first question.
back-previous = Your previous answer: { $answer }
help =
    Commands you can use:
    /back - go back to the previous question
    /skip - skip a question that is not required
    /summary - see your answers
    /language - change language (Bahasa)
    /restart - start again from the beginning
    /stop - stop taking part
    /mydata - see the data stored about you
    /edit - change one of your answers
    /delete - delete your data and answers
lang-ask = Pilih bahasa / Choose a language:
lang-changed = All right, we will continue in English.
lang-not-offered = This survey is not available in that language.
restart-confirm = Start again from the beginning? All your answers will be deleted. Reply yes or no.
restart-done = All right, starting again from the beginning.
stop-confirm = Do you really want to stop taking part? Reply yes or no.
stop-done = All right, you have stopped taking part and will not be contacted again. Thank you. If you change your mind, type /start.
cancelled = All right, let's continue.
completed =
    { $name ->
        [none] Thank you! Your answers have been saved.
       *[other] Thank you, { $name }! Your answers have been saved.
    }
    Type /summary to see a summary of your answers.
# After the flow's closing words (outro), which already thank: no second thank-you.
completed-saved =
    Your answers have been saved.
    Type /summary to see a summary of your answers.
already-completed = You have already completed this survey. Thank you! Type /summary to see your answers, or /restart to answer again.
summary-title = Summary of your answers:
summary-empty = No answers yet.
summary-skipped = (skipped)
resume = Welcome back! Let's continue from the last question.
expired = Sorry, this survey has closed. Thank you for your interest.
opted-out-info = You have stopped taking part in this survey. Type /start if you want to join again.
stale-button = That button belongs to an earlier question. Please answer the latest question.
unknown-command = Unknown command { $command }. Type /help for the list of commands.
yes = Yes
no = No
lang-name = English
more-hint = Reply yes or no.

# Rights over personal data (Indonesian law No. 27 of 2022): stop, see, change, delete.
stop-keep-ask = As the data consent allows, you may choose: keep the answers you have already given? Reply yes to keep them, or no to delete them.
stop-kept = All right, the answers you gave are kept. You will not be contacted again. If you change your mind, type /start.
stop-deleted = All right, your answers have been deleted. You will not be contacted again. If you change your mind, type /start.
erase-confirm = Do you really want to delete all your answers and personal data? This cannot be undone, and this chat will no longer be linked to the survey. Reply yes or no.
erase-done = Your personal data and all your answers have been deleted. Thank you.
edit-nothing = There are no answers to change yet.
edit-pick = Which answer would you like to change? Reply with its number.
edit-pick-invalid = Please reply with a number from 1 to { $max }.
edit-ask = Please answer again:
edit-done = Your answer has been changed.
mydata-title = Your stored data
mydata-roster = From the alumni list:
mydata-answers = Your answers:
mydata-none = (none)
mydata-rights = Type /edit to change an answer, or /delete to delete your data and answers.
mydata-name = Name
mydata-external-id = Student number (NISN/NIM)
mydata-birth-date = Birth date
mydata-phone = Phone number
mydata-email = Email
mydata-cohort = Cohort
mydata-programme = Programme
mydata-school = School/unit
mydata-province = Province

hint-lookup = Type a few letters of the name (or its code), then pick from the list that appears.
hint-lookup-other = Type a few letters of the name (or its code), then pick from the list that appears. If it is not in the list, write "not in the list".
lookup-pick = What matches "{ $typed }" — pick one (reply with its number):
lookup-none = Nothing matches "{ $typed }". Try a few other letters of the name, or its code.
lookup-none-other = Nothing matches "{ $typed }". Try a few other letters of the name, or its code. If it really is not in the list, write "not in the list".
lookup-taken = Noted: { $name } ({ $code }).

# Task i13: declining a `refusable` question.
refused = All right, you do not need to answer this one.
refuse-hint = (If you would rather not answer, type «prefer not to say»)
refuse-button = Prefer not to say
summary-refused = (prefer not to say)
