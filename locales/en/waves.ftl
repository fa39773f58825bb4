# Jejak: messages of the waves part (en). Keep the ids in step with locales/id/waves.ftl.
# Reminder texts: staff choose one per wave (`jejak wave add --message reminder-1`).
# Variables: $name, $cohort, $programme, $school (from the roster). When the respondent is in
# the middle of the survey, the question they are at follows the reminder.

reminder-1 = Hello { $name }! We are still waiting for your answers to the alumni tracer survey. It takes only a few minutes, and your answers help your school a lot.
reminder-2 = Hello { $name }, your alumni tracer survey is not finished yet. Your answers are saved, so you can carry on from here at any time.
reminder-last = Hello { $name }, this is the last reminder: the alumni tracer survey closes soon. Please take a few minutes to finish it. Thank you!
