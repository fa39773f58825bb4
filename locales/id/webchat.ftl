# Jejak: the web chat page's own texts (id). Keep the ids in step with locales/en/webchat.ftl.
# What the bot says in the chat comes from bot.ftl and the flow, as on every channel.

web-title = Survei alumni
web-intro = Jawab dengan menekan tombol atau mengetik. Anda boleh berhenti kapan saja dan melanjutkan nanti lewat tautan yang sama.
web-placeholder = Ketik jawaban…
web-send = Kirim
web-done = Selesai
web-you = Anda
web-sending = Mengirim…
web-offline = Belum terkirim: sambungan internet terputus. Kami mencoba lagi otomatis.
web-slow-down = Terlalu banyak permintaan dalam waktu singkat. Tunggu sebentar, lalu coba lagi.
web-server-error = Server sedang bermasalah. Kami mencoba lagi sebentar lagi.
web-no-script = Halaman ini memerlukan JavaScript. Nyalakan JavaScript di peramban Anda, atau pakai tautan Telegram/WhatsApp dari sekolah Anda.
web-not-found-title = Tautan tidak dikenal
web-not-found = Maaf, tautan ini tidak dikenal. Periksa kembali tautan yang dikirim kepada Anda (salin seluruhnya), atau hubungi sekolah/lembaga Anda.
web-slow-down-title = Tunggu sebentar
web-reload = Halaman ini perlu dimuat ulang. Muat ulang halaman, lalu coba lagi.
web-too-long = Pesan terlalu panjang. Singkatkan jawaban Anda, lalu kirim lagi.
web-taken-title = Tautan sudah dibuka di perangkat lain
web-taken = Tautan pribadi ini sudah dipakai di peramban atau ponsel lain, jadi jawaban Anda hanya bisa dilanjutkan di sana. Jika itu bukan Anda, atau Anda berganti ponsel, hubungi sekolah/lembaga Anda.

# logscan: the open link's identity matched a respondent whose link is in use elsewhere
web-token-taken = Maaf, data ini sudah dipakai di peramban, ponsel, atau aplikasi chat lain. Jika itu bukan Anda, silakan hubungi sekolah/lembaga Anda.
