# Messages of the jejak command line for staff (reports, imports, exports, waves).

## jejak report: column headers (table, CSV, XLSX). English keeps the old machine-style names.
cli-col-group = group
cli-col-cohort = cohort
cli-col-programme = programme
cli-col-school = school
cli-col-roster = roster
cli-col-invited = invited
cli-col-started = started
cli-col-completed = completed
cli-col-opted-out = opted_out
cli-col-unreachable = unreachable
cli-col-reachable = reachable
cli-col-gross-rate = gross_rate
cli-col-net-rate = net_rate
cli-col-after-wave = after_wave_{ $id }_{ $name }
cli-col-after-none = after_none
cli-total = TOTAL
cli-blank-group = (blank)
cli-report-flow = Flow: { $flow }
cli-report-by-wave = Completions by the wave they followed:
cli-report-wave-line = wave { $id } ({ $name }): { $n }
cli-report-no-wave = no wave: { $n }
cli-sheet-report = Responses
cli-sheet-waves = Waves
cli-col-wave-id = wave_id
cli-col-wave = wave
cli-col-completions-after = completions_after
cli-wave-none-label = none
cli-report-help =
    Definitions:
      roster       respondents with a session of the flow (imported with `jejak roster import
                   --flow`, or started through an open link)
      invited      has a personal token and was sent a wave message of the flow, or is bound to
                   a chat channel, or had their links exported by `jejak invite --flow`
      started      has a session of the flow that left `invited` (consent, answering, completed,
                   opted out, or expired after answering at least one question)
      completed    has a completed session of the flow
      opted_out    declined consent or stopped, and has not completed
      unreachable  the platform refused delivery (blocked the bot, number gone)
      reachable    roster - unreachable
      gross_rate   completed / roster
      net_rate     completed / reachable
      after_wave_* completions credited to the last wave message of the flow sent to that
                   respondent before they completed; after_none: no wave message before

    Language: --lang id|en (or JEJAK_LANG, or LANG); Indonesian by default. Scripts that read
    the CSV should pass --lang en: its column names are stable (roster, invited, …,
    after_wave_N_name, after_none).

## jejak roster import
cli-import-summary = { $rows } row(s) read: { $loaded } loaded ({ $new } new, { $updated } updated), { $rejected } rejected, { $enrolled } newly on the flow's roster
cli-import-rejected = line { $line }: rejected: { $reasons }
cli-import-warning = line { $line }: warning: { $reasons }
cli-import-workbook-named-csv = This file is an Excel workbook (.xlsx) named .csv; it was read as .xlsx. Next time upload it named .xlsx.
cli-import-windows-1252 = This file is not UTF-8; it was read whole as Windows-1252 (Excel's plain CSV). Check letters such as é or ñ; if any are wrong, save as "CSV UTF-8" and import again.
cli-import-took = took { $secs } s
cli-import-failed = importing { $file }
cli-import-empty = the file is empty: expected a header row (nisn, nama, no_hp, …)
cli-import-header = line { $line }: { $reason }
cli-header-no-id = no external id column: add one headed nisn, nim or external_id (the key that re-imports update by)
cli-header-duplicate = columns { $first } and { $second } both mean `{ $field }`; keep one
cli-header-duplicate-extra = columns { $first } and { $second } are both headed `{ $name }`
cli-read-io = cannot read { $path }: { $error }
cli-read-csv = { $path }: line { $line }: { $error }
cli-read-xlsx = { $path }: not a readable XLSX workbook: { $error }
cli-read-old-workbook = { $path }: an Excel 97-2003 workbook (.xls); save it as .xlsx or "CSV UTF-8" and import again
cli-read-unknown-type = { $path }: unknown file type; save the roster as .csv or .xlsx

## Reasons a roster row is rejected or flagged (also shown on the console's upload page)
cli-row-too-many-cells = { $cells } cells but only { $columns } columns in the header
cli-row-too-long = { $column }: longer than { $max } characters
cli-row-control = { $column }: contains control characters
cli-row-phone = no_hp: { $value } is not a phone number
cli-row-email = email: { $value } is not an e-mail address
cli-row-zone = zona_waktu: { $value } is not WIB, WITA, WIT or a time zone such as Asia/Makassar
cli-row-language = bahasa: { $value } is not id or en
cli-row-date = tanggal_lahir: { $value } is not a date (e.g. 17-08-2005 or 2005-08-17)
cli-row-no-id = nisn/external_id: empty (every row needs its external id)
cli-row-province = provinsi: { $value } not recognised; time zone left unset (WIB is assumed)
cli-row-repeat = external id { $value } is also on line { $first }; this row's cells win where they are not empty

## jejak invite
cli-invite-none = no respondents on the roster of flow `{ $flow }`: import one first with `jejak roster import FILE --flow { $flow }`
cli-invite-wrote = wrote { $n } invitation(s) to { $out }
cli-invite-wrote-qr = wrote { $n } invitation(s) to { $out }, { $qr } QR code(s) to { $dir }
cli-invite-failed = Invitations could not be written
cli-invite-no-target = no link target: set [telegram] bot_username (TELEGRAM_BOT_USERNAME) [whatsapp] business_number (WHATSAPP_BUSINESS_NUMBER) and/or [server] public_url (JEJAK_PUBLIC_URL, for web chat links)
cli-invite-bad-username = { $value } is not a Telegram bot username (5–32 of A-Z a-z 0-9 _)
cli-invite-bad-number = { $value } is not a WhatsApp number in international form (e.g. +62 812 3456 7890)
cli-invite-unknown-type = { $path }: write invitations to a .csv or .xlsx file

## jejak export
cli-exported = exported { $n } respondent(s) of flow `{ $flow }`
cli-export-codebook-xlsx = the codebook is written as CSV: drop --format xlsx
cli-export-xlsx-needs-out = --format xlsx needs --out FILE.xlsx
cli-export-failed = exporting the answers of flow `{ $flow }`

## Shared errors
cli-err-create = creating { $path }
cli-err-write = writing { $path }
cli-err-no-flow = no flow file `{ $arg }` and no flow with that id in flows/
cli-err-flows-dir = `{ $arg }` is not a file, and flows/ cannot be read
cli-err-flow-invalid = flow file { $path } cannot be used
cli-err-by = --by { $by }: expected cohort, programme or school
cli-err-format = --format { $format }: expected table, csv or xlsx
cli-err-report = the report of flow `{ $flow }` could not be made

## jejak flow check / flow test
cli-flow-ok = { $file }: ok ({ $questions } questions, flow `{ $flow }` version { $version })
cli-flow-errors = { $file }: { $n } error(s)
cli-transcript-ok = ok   { $path } ({ $name })
cli-transcript-fail = FAIL { $path } ({ $name })
cli-flow-no-transcripts = { $file }: no transcripts in { $dir }
cli-flow-unreached = { $file }: questions no transcript reaches: { $codes }
cli-flow-passed = { $file }: { $passed }/{ $total } transcripts passed
cli-flow-passed-all = { $file }: { $passed }/{ $total } transcripts passed, every question reached
cli-flow-transcripts-failed = reading transcripts in { $dir }

## jejak wave
cli-wave-added = wave { $id } added: { $name }
cli-wave-none = no waves
cli-wave-not-found = no wave { $id }
cli-wave-now = wave { $id } is now { $state }
cli-wave-cannot = wave { $id } is { $state }; cannot make it { $to }
cli-wave-state-active = active
cli-wave-state-paused = paused
cli-wave-state-cancelled = cancelled
cli-wave-state-finished = finished
cli-wave-no-messages = no messages yet
cli-wave-at = at { $when }
cli-wave-cron = cron "{ $cron }"
cli-wave-until = until { $when }
cli-wave-show-title = wave { $id } "{ $name }" ({ $state })
cli-wave-show-flow = flow:      { $value }
cli-wave-show-message = message:   { $value }
cli-wave-show-schedule = schedule:  { $value }
cli-wave-show-next = next run:  { $value }
cli-wave-show-audience = audience:  { $segment } (status { $status })
cli-wave-show-cap = at most:   { $n } per person
cli-wave-show-gap = min gap:   { $value }
cli-wave-show-messages = messages:  { $value }
cli-wave-dry-run = dry run (if it ran now):
cli-wave-would-receive = would receive it now: { $n }
cli-wave-excluded = excluded:
cli-wave-quiet-detail = ({ $zones }; sent when it ends)
cli-excl-completed = completed
cli-excl-opted-out = opted out
cli-excl-expired = survey closed
cli-excl-unreachable = unreachable
cli-excl-no-channel = no chat
cli-excl-other-status = other status
cli-excl-cap-reached = cap reached
cli-excl-too-soon = too soon
cli-excl-quiet-hours = quiet hours

## Opening the store, adding a wave
cli-err-config = the configuration file (jejak.toml) cannot be read
cli-err-database = the database cannot be opened
cli-wave-add-failed = the wave cannot be added
cli-wave-past = The wave was not added: { $value } has already passed, so the reminder would go to everyone at once. Choose a time in the future, or use --now if you do mean to send now.

## jejak demo
cli-demo-preparing = Preparing the demo in the folder { $dir } …
cli-demo-ready = The Jejak demo is running. Open these links in a browser (phone or laptop):
cli-demo-alumnus = Web chat of a sample alumnus ({ $name }): { $link }
cli-demo-console = Staff console: { $url }
cli-demo-account = Sign in as { $email }, one-time password: { $password } (changed at the first sign-in)
cli-demo-sheet = Personal links of every demo alumnus: { $file }
cli-demo-stop = Stop with Ctrl-C. Run jejak demo again to continue with the same data; to start over, delete the folder { $dir }.

## jejak backup
cli-backup-done = Backup written to { $path } ({ $kib } KiB). To restore: stop jejak, copy that file to jejak.db in the data folder, and start it again.
cli-backup-exists = { $path } already exists; choose a new file name so an older backup is not overwritten.
cli-backup-failed = The backup to { $path } failed
cli-backup-postgres = jejak backup is for SQLite only. This database is PostgreSQL: back it up with pg_dump, for example pg_dump --format=custom --file=jejak.dump "$DATABASE_URL", and restore with pg_restore.

## jejak respondent: a data subject's requests (Indonesian law No. 27 of 2022)
cli-resp-reason-needed = Give the reason with --reason (for example "request by e-mail of 3 December"); it is written to the audit log.
cli-resp-not-found = There is no respondent { $id }.
cli-resp-title = Respondent { $id }
cli-resp-erased = Their data was erased on request on { $at }.
cli-resp-channels = Chat channels:
cli-resp-session = Survey { $flow }: { $status }, { $n } answers
cli-resp-exported = The data of respondent { $id } was written to { $file }.
cli-resp-deleted = The personal data and answers of respondent { $id } were erased; the row stays without personal data so the report's counts do not change.

## jejak doctor
cli-doctor-title = Checking Jejak's setup (nothing is changed):
cli-doctor-config-file = Configuration file { $path } read.
cli-doctor-config-none = No { $path }; settings come from environment variables.
cli-doctor-config-bad = The configuration file { $path } cannot be read: { $error }
cli-doctor-db-ok = The database ({ $db }) answers and its schema is current.
cli-doctor-db-migrations = The database ({ $db }) answers, but { $n } migrations are not applied yet ({ $versions }); `jejak run` applies them when it starts.
cli-doctor-db-nofile = No database yet ({ $db }); `jejak run` creates it the first time it runs.
cli-doctor-db-fail = The database ({ $db }) does not answer: { $error }
cli-doctor-flows-none = No survey flow files (.yaml) in { $dir }.
cli-doctor-flow-ok = Flow { $file } ({ $flow } version { $version }) is valid.
cli-doctor-flow-bad = Flow { $file } has { $n } mistakes; run `jejak flow check { $file }` to see where.
cli-doctor-flow-unreadable = Flow { $file } cannot be read: { $error }
cli-doctor-tg-off = Telegram is not configured (no TELEGRAM_BOT_TOKEN); skipped.
cli-doctor-tg-config = The Telegram settings are wrong: { $error }
cli-doctor-tg-rejected = Telegram refused the bot token ({ $error }); get a valid token from @BotFather.
cli-doctor-tg-unreachable = Telegram cannot be reached at { $url }: { $error }
cli-doctor-tg-ok = The Telegram token is valid: bot @{ $username }.
cli-doctor-tg-username = The bot name in the settings (@{ $configured }) is not this token's bot (@{ $actual }); invitation links would lead to the wrong bot.
cli-doctor-tg-webhook-unknown = The Telegram webhook's state cannot be read: { $error }
cli-doctor-tg-webhook-ok = The Telegram webhook points at { $url }.
cli-doctor-tg-webhook-other = The Telegram webhook points at { $actual }, not { $expected }; `jejak run` sets it again when it starts.
cli-doctor-tg-webhook-none = No Telegram webhook is set (it should be { $expected }); `jejak run` sets it when it starts.
cli-doctor-tg-webhook-polling = A webhook is set ({ $actual }) although the settings ask for polling; `jejak run` will remove it.
cli-doctor-tg-polling = Telegram runs in polling mode (no webhook).
cli-doctor-tg-webhook-error = Telegram's last delivery to the webhook failed: { $error }
cli-doctor-wa-off = WhatsApp is not configured; skipped.
cli-doctor-wa-config = The WhatsApp settings are wrong: { $error }
cli-doctor-wa-ok = The WhatsApp token is valid for number { $number }.
cli-doctor-wa-rejected = WhatsApp refused the access token ({ $error }); make a new one in Meta Business (temporary tokens expire within 24 hours).
cli-doctor-wa-failed = The Graph API refused the number check: { $error }
cli-doctor-wa-unreachable = WhatsApp's Graph API cannot be reached: { $error }
cli-doctor-summary-ok = Every check passed.
cli-doctor-summary-fail = { $n } problems must be fixed before `jejak run`.
## jejak report indicators
cli-ind-title = Tracer indicators of flow { $flow } (respondents who completed)
cli-ind-col-indicator = indicator
cli-ind-col-value = value
cli-ind-col-n = n
cli-ind-col-low = ci95_low
cli-ind-col-high = ci95_high
cli-ind-col-response = response_rate
cli-ind-col-warning = warning
cli-ind-employment = Working or self-employed (%)
cli-ind-entrepreneurship = Self-employed (%)
cli-ind-further-study = Studying further (%)
cli-ind-bmw = BMW: working, studying or self-employed (%)
cli-ind-within-6-months = First job within 6 months of graduating (%)
cli-ind-waiting-up-to-6 = Waiting time ≤ 6 months (%)
cli-ind-waiting-median = Waiting time, median (months)
cli-ind-waiting-mean = Waiting time, mean (months)
cli-ind-horizontal-fit = Horizontal fit: job matches the field of study (%)
cli-ind-vertical-fit = Vertical fit: job needs this level of education (%)
cli-ind-income-at-least-ump = Income ≥ the UMP of the place of work (%)
cli-ind-income-ratio-median = Income ÷ UMP, median
cli-ind-iku1 = IKU 1: working within 6 months at ≥ 1.2 × UMP, studying or self-employed (%)
cli-ind-competency-gap = Competency gap { $row } (needed − at graduation, mean)
cli-ind-warn-response = response rate { $rate }% under 50%
cli-ind-warn-n = n = { $n } under 30
cli-ind-rule = A warning is shown when the group's response rate (completed ÷ roster) is under { $rate }% or n is under { $n }: the figure may not stand for the whole cohort. 95% intervals are Wilson intervals; n = respondents who completed and answered the questions used.
cli-ind-sheet-total = Total
cli-ind-sheet-cohort = Cohort
cli-ind-sheet-programme = Programme
cli-ind-sheet-school = School
cli-ind-chart = Indicators (%)
cli-ind-none = Flow { $flow } has no `indicators:` section (see docs/flows.md).
cli-err-flow-version-changed = Flow `{ $flow }` version { $version } is already stored with a different text. Bump `version` in the flow file, so respondents in the middle of the old version can still finish it.
## jejak purge: retention (flow header `retention: 5y`)
cli-purge-no-retention = No flow states a retention (`retention:` in the flow header), so nothing is erased.
cli-purge-none = No data is past its retention.
cli-purge-row = { $flow }, cohort { $cohort }: { $n } sessions
cli-purge-would = { $n } respondents would be erased (dry run: nothing changed yet). Run without --dry-run to erase them.
cli-purge-done = The personal data and answers of { $n } respondents were erased; the rows stay without personal data so the report's counts do not change. Written to the audit log.

# Task "faults": reminders whose outcome is unknown, in `wave show`.
cli-wave-show-uncertain = { $n } uncertain: the request had left for the platform but no answer came (the sender stopped or timed out). It may have arrived; it is not sent again.
# import (h-import): Ctrl-C during a roster import
cli-import-interrupted = stopped (Ctrl-C) after { $loaded } rows were stored. The stored rows are complete (with their sessions); run the same command again to load the rest — rows already there are only updated, invitation links do not change.
## i15: WhatsApp dead letters
cli-wa-dead-none = No failed WhatsApp deliveries.
cli-wa-dead-line = #{ $id }  received { $received }, given up { $dead }: { $reason }
cli-wa-retry-none = No failed delivery #{ $id }.
cli-wa-retried = Delivery #{ $id } is pending again; it is processed at the next start of `jejak run`.
## The system's file and connection errors, in the staff's words (i18n::io_text)
cli-io-not-found = no such file or folder
cli-io-permission = permission denied (check who owns the file or folder and its access rights)
cli-io-is-directory = that is a folder, not a file
cli-io-not-directory = part of the path is not a folder
cli-io-exists = already exists
cli-io-disk-full = the disk is full
cli-io-read-only = the disk is read-only
cli-io-refused = connection refused (is the service running at that address?)
cli-io-invalid-data = the content is not UTF-8 text (save the file as UTF-8)
cli-io-timed-out = timed out
# A flow file that cannot be read at all (FlowError::Io)
cli-flow-io = { $path }: cannot read the flow file: { $error }
