# Jejak: messages of the roster part (id). Keep the ids in step with locales/en/roster.ftl.

# Open link: the respondent proves they are on the roster.
identity-ask = Untuk memastikan Anda alumni yang terdaftar, kirim NISN/NIM dan tanggal lahir Anda dalam satu pesan, misalnya: 0012345678 17-08-2005
identity-wrong = Data tidak cocok dengan daftar alumni. Sisa percobaan: { $attempts }.
identity-locked = Terlalu banyak percobaan yang salah. Silakan coba lagi setelah { $minutes } menit, atau hubungi sekolah/lembaga Anda.
identity-ok = Terima kasih, { $name }. Data Anda cocok; kita mulai.
