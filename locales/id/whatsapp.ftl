# Jejak: messages of the whatsapp part (id). Keep the ids in step with locales/en/whatsapp.ftl.

wa-unknown-number = Halo! Ini layanan survei penelusuran alumni (tracer study). Nomor WhatsApp ini belum terdaftar pada data alumni kami. Silakan buka tautan undangan dari sekolah atau lembaga pelatihan Anda, atau kirim pesan: MULAI <kode undangan Anda>.
wa-token-unknown = Maaf, kode undangan tersebut tidak kami kenali. Periksa kembali tautan atau kode dari sekolah atau lembaga pelatihan Anda, lalu kirim: MULAI <kode undangan>.
wa-bind-refused = Maaf, kode undangan ini sudah dipakai dengan nomor WhatsApp lain, atau nomor ini sudah terdaftar untuk alumni lain. Demi keamanan data, kami tidak dapat melanjutkan dari nomor ini. Silakan hubungi sekolah atau lembaga pelatihan Anda.
wa-unsupported = Maaf, saya hanya bisa membaca pesan teks dan pilihan tombol. Silakan jawab dengan mengetik atau memilih tombol.
wa-list-button = Pilih
