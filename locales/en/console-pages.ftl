# Staff console: exports, flows, audit and accounts pages (ids start with c-).

## Exports
c-export-answers-csv = Answers (CSV)
c-export-answers-csv-excel = Answers (CSV for Excel set to Indonesian)
c-export-answers-xlsx = Answers (Excel)
c-export-codebook = Codebook: what each column means (CSV)
c-export-report = Response-rate report (Excel), by
c-export-needs-manager = for admins and operators only, as it holds personal data
c-export-scope-note = Files hold only the respondents of the schools you may see.
c-export-formula-note = Entries that begin with =, +, - or @ get a ' in front, so that Excel does not run them as formulas.
c-export-failed = The export file could not be made. Try again in a moment.
c-export-file-answers = answers
c-export-file-codebook = codebook
c-export-file-report = response-report

## Flows
c-flows-id = Code
c-flows-version = Version
c-flows-title = Title
c-flows-questions = Questions
c-flows-languages = Languages
c-flows-state = State
c-flows-open-link = Open link (no personal invitation needed)
c-flows-yes = yes
c-flows-no = no
c-flows-running = running
c-flows-closed-on = closed since { $date }
c-flows-closes = running until { $date }
c-flows-check = Check of the flow files
c-flows-no-dir = No flows folder is set, so the files cannot be checked here.
c-flows-dir-unreadable = The flows folder cannot be read.
c-flows-no-files = There are no flow files (.yaml) in that folder.
c-flows-check-ok = ok: flow { $id } version { $version }, { $questions } questions
c-flows-check-errors = { $count } error(s)
c-flows-preview-title = Preview: { $title }
c-flows-back = Back to the list of flows
c-flows-lang-id = Indonesian
c-flows-lang-en = English
c-flows-optional = may be skipped
c-flows-required = required
c-flows-repeat = repeated ({ $group })
c-flows-exclusive = cannot be combined
c-flows-range = Range:
c-flows-when = Asked when:
c-flows-follows = Follow-up question for { $code } = { $option }
c-flows-type-text = text
c-flows-type-integer = whole number
c-flows-type-decimal = decimal number
c-flows-type-money = rupiah
c-flows-type-single = choose one
c-flows-type-multi = choose several
c-flows-type-likert = scale
c-flows-type-yesno = yes/no
c-flows-type-date = date
c-flows-type-month-year = month and year
c-flows-type-phone = phone number
c-flows-type-email = e-mail
c-cond-and = and
c-cond-or = or
c-cond-not = it is not true that
c-cond-one-of = is one of
c-cond-has = includes
c-cond-answered = is answered
c-cond-not-answered = is not answered
c-cond-field = roster field "{ $field }"
c-cond-yes = yes
c-cond-no = no

## Audit
c-audit-time = Time
c-audit-actor = Who
c-audit-action = Action
c-audit-detail = Detail
c-audit-address = Address
c-audit-empty = No matching entries.
c-audit-limited = Only the newest { $count } entries are shown. Narrow the filter to see older ones.

## Accounts
c-accounts-role = Role
c-accounts-schools = Schools
c-accounts-state = State
c-accounts-actions = Change
c-accounts-active = active
c-accounts-disabled = disabled
c-accounts-one-time = has not changed the password yet
c-accounts-you = you
c-accounts-self = Your own account: change your password on the password page.
c-accounts-save-role = Save role
c-accounts-disable = Disable
c-accounts-enable = Enable
c-accounts-reset = New password
c-accounts-new = New account
c-accounts-create = Create account
c-accounts-schools-one-per-line = Schools (one per line; leave empty for an admin)
c-accounts-schools-help = Schools are written one per line. An operator must have a school; a viewer without schools sees the numbers of every school; an admin sees everything.
c-accounts-roles-help = Admin: everything, staff accounts included. Operator: roster, waves, exports and respondents of their schools. Viewer: numbers only, no personal data.
c-accounts-created = The account { $email } has been created.
c-accounts-was-reset = The password of { $email } has been replaced; all its sessions have been ended.
c-accounts-one-time-password = One-time password:
c-accounts-one-time-note = Give this password to the account's owner. It is shown only once and must be changed at the first sign-in.
c-accounts-done-role = Role and schools saved.
c-accounts-done-disabled = Account disabled; all its sessions have been ended.
c-accounts-done-enabled = Account enabled again.
c-accounts-bad-email = That is not an e-mail address.
c-accounts-bad-role = Choose a role: admin, operator or viewer.
c-accounts-operator-needs-school = An operator needs at least one school.
c-accounts-admin-no-school = An admin sees every school: leave the schools empty.
c-accounts-exists = There is already an account with that e-mail.
c-accounts-not-self = You cannot disable, demote or reset the password of your own account here.

## i15: WhatsApp dead letters
c-nav-whatsapp = WhatsApp failures
c-wa-dead-intro = WhatsApp webhook deliveries that failed processing three times. Their content (number and message) is not shown. Fix the cause, then retry.
c-wa-dead-empty = No failed WhatsApp deliveries.
c-wa-received = Received
c-wa-dead-at = Given up
c-wa-reason = Reason
c-wa-retry = Retry
c-wa-retried-now = The delivery is being processed again.
c-wa-retried-later = The delivery will be processed again when the bot restarts (the WhatsApp channel does not run in this process).
c-wa-retry-gone = That delivery is no longer among the failures.

## i15: data rights and the retention purge in the console
c-rights-title = Data rights
c-rights-intro = For alumni's requests by letter or e-mail (Law No. 27 of 2022). Each action needs a reason and is recorded in the audit log.
c-rights-reason = Reason (the request it answers)
c-rights-show = See all stored data
c-rights-export = Download the data (JSON)
c-rights-delete = Delete the data
c-rights-reason-needed = Give the reason (the request it answers).
c-rights-back = Back to the respondent's page
c-rights-cancel = Cancel
c-rights-shown-for = Reason: { $reason }
c-rights-erased-at = This respondent's personal data was erased on { $at }.
c-rights-roster = Roster data
c-rights-delete-confirm = Delete the personal data and answers of { $name } (#{ $id })? This cannot be undone. The row stays without personal data so the report's counts do not change.
c-rights-delete-yes = Yes, delete for good
c-rights-deleted = The personal data and answers of respondent #{ $id } were erased.
c-nav-purge = Retention
c-purge-intro = What the retention purge would erase (as `jejak purge --dry-run`), per flow and cohort, without names, as of
c-purge-none = No data is past its retention.
c-purge-no-retention = No flow states a retention period (`retention`).
c-purge-would = The personal data and answers of { $n } respondents would be erased.
c-purge-sessions = Sessions
c-purge-run = Run the purge now
c-purge-done = The personal data and answers of { $n } respondents were erased.
