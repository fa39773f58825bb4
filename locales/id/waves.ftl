# Jejak: messages of the waves part (id). Keep the ids in step with locales/en/waves.ftl.
# Reminder texts: staff choose one per wave (`jejak wave add --message reminder-1`).
# Variables: $name, $cohort, $programme, $school (from the roster). When the respondent is in
# the middle of the survey, the question they are at follows the reminder.

reminder-1 = Halo { $name }! Kami masih menunggu jawaban Anda untuk survei penelusuran alumni. Hanya beberapa menit, dan jawaban Anda sangat membantu sekolah.
reminder-2 = Halo { $name }, survei penelusuran alumni belum selesai. Jawaban Anda tersimpan, jadi Anda bisa melanjutkan kapan saja dari sini.
reminder-last = Halo { $name }, ini pengingat terakhir: survei penelusuran alumni segera ditutup. Mohon luangkan beberapa menit untuk menyelesaikannya. Terima kasih!
