# Jejak: messages of the telegram part (id). Keep the ids in step with locales/en/telegram.ftl.

tg-done = ✔️ Selesai
tg-need-link = Halo! Survei ini memakai tautan pribadi. Silakan buka tautan yang dikirim sekolah atau lembaga Anda untuk mulai.
tg-bad-token = Maaf, tautan ini tidak dikenal. Periksa kembali tautan yang dikirim kepada Anda, atau hubungi sekolah/lembaga Anda.
tg-token-taken = Maaf, tautan ini sudah dipakai di akun Telegram lain. Jika itu bukan Anda, silakan hubungi sekolah/lembaga Anda.
tg-other-link = Obrolan ini sudah terhubung dengan survei lain. Jika ada yang keliru, silakan hubungi sekolah/lembaga Anda.
tg-only-text = Maaf, saya hanya bisa membaca teks dan tombol. Silakan ketik jawaban Anda.
tg-cmd-start = Mulai atau lanjutkan survei
tg-cmd-back = Kembali ke pertanyaan sebelumnya
tg-cmd-skip = Lewati pertanyaan (jika boleh)
tg-cmd-summary = Lihat jawaban Anda
tg-cmd-language = Ganti bahasa
tg-cmd-restart = Ulang survei dari awal
tg-cmd-stop = Berhenti mengikuti survei
tg-cmd-help = Bantuan
tg-cmd-mydata = Lihat data Anda yang tersimpan
tg-cmd-edit = Ubah salah satu jawaban
tg-cmd-delete = Hapus data dan jawaban Anda
