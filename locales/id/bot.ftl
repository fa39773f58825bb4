# Pesan bot Jejak dalam Bahasa Indonesia (bahasa bawaan).
# Bahasa Indonesia hanya punya kategori jamak `other`: selalu sertakan varian *[other].

consent-title = Persetujuan penggunaan data
consent-purpose = Tujuan
consent-data = Data yang dikumpulkan
consent-retention = Lama penyimpanan
consent-rights = Hak Anda
consent-ask = Apakah Anda bersedia mengikuti survei ini? Balas ya atau tidak.
consent-reprompt = Mohon balas ya jika bersedia, atau tidak jika tidak bersedia.
consent-declined = Baik, terima kasih atas waktunya. Anda tidak akan ditanya lagi dalam survei ini. Jika berubah pikiran, ketik /mulai.

progress = Pertanyaan { $n } dari { $total }
optional-hint = (Boleh dilewati: ketik /lewati)
hint-single = Balas dengan nomor pilihan.
hint-multi = Boleh pilih lebih dari satu; tulis nomornya dipisah koma, misalnya 1, 3.
hint-likert = Balas dengan angka { $from } ({ $low }) sampai { $to } ({ $high }).
hint-yesno = Balas ya atau tidak.
hint-text = Tulis jawaban Anda.
hint-integer = Tulis angka, misalnya 12.
hint-decimal = Tulis angka, misalnya 3,5.
hint-money = Tulis jumlah rupiah, misalnya 3.500.000 atau 3,5 juta.
hint-date = Tulis tanggal, misalnya 17 Agustus 2024 atau 17/08/2024.
hint-month-year = Tulis bulan dan tahun, misalnya Januari 2024 atau 01/2024.
hint-phone = Tulis nomor HP, misalnya 0812-3456-7890.
hint-email = Tulis alamat email, misalnya nama@contoh.id.

err-empty = Jawabannya masih kosong.
err-text-short = Jawabannya terlalu pendek: minimal { $min } huruf.
err-text-long = Jawabannya terlalu panjang: maksimal { $max } huruf.
err-number = Maaf, jawaban itu belum bisa kami baca.
err-min = Angkanya terlalu kecil: paling sedikit { $min }.
err-max = Angkanya terlalu besar: paling banyak { $max }.
err-min-answer = Menurut jawaban Anda sebelumnya, angkanya paling sedikit { $min }.
err-max-answer = Menurut jawaban Anda sebelumnya, angkanya paling banyak { $max }.
unsure-ask = *{ $answer }*, yakin?
unsure-default = Angka ini jauh dari yang biasa untuk pertanyaan ini.
unsure-hint = Balas *ya* untuk menyimpannya, atau tulis jawaban yang benar.
unsure-retry = Baik, silakan tulis jawaban yang benar.
err-choice =
    Maaf, pilihan itu tidak ada. { $count ->
        [1] Balas dengan nomor 1.
        [2] Balas dengan nomor 1 atau 2.
       *[other] Balas dengan nomor 1 sampai { $count }.
    }
err-choice-words = Boleh juga tulis namanya atau sebagian, misalnya «{ $example }».
err-choice-which = Nomor { $number } bisa berarti dua pilihan: «{ $shown }» (nomor { $number } di daftar) atau «{ $coded }» (kode { $number }). Mana yang Anda maksud? Balas dengan namanya atau tekan tombolnya.
err-pattern = Maaf, bentuk jawaban itu belum sesuai. Mohon periksa lalu tulis ulang.
err-date-min = Tanggal itu terlalu awal: paling awal { $min }.
err-date-max = Tanggal itu tidak bisa dipakai: paling lambat { $max }.
hint-date-or-month = Tulis tanggal, misalnya 17 Agustus 2024, atau bulan dan tahunnya saja, misalnya September 2024.
unit-converted = Dicatat: { $value }.
err-picks-min = Pilih paling sedikit { $min }.
err-picks-max = Pilih paling banyak { $max }.
err-exclusive = Pilihan "{ $option }" tidak bisa digabung dengan pilihan lain.
err-likert = Balas dengan angka { $from } sampai { $to }.
err-yesno = Maaf, mohon balas ya atau tidak.
hint-grid = Balas dengan { $count } angka sekaligus, berurutan: { $scales }. Misalnya «{ $example }».
err-grid-count = Mohon tulis { $count } angka, satu untuk setiap penilaian, berurutan: { $scales }. Misalnya «{ $example }».
err-grid-range = Angka untuk { $scale } harus dari { $from } sampai { $to }.

skip-not-allowed = Pertanyaan ini wajib dijawab, tidak bisa dilewati.
skipped = Dilewati.
back-at-start = Ini sudah pertanyaan pertama.
back-previous = Jawaban Anda sebelumnya: { $answer }
help =
    Perintah yang bisa dipakai:
    /kembali - kembali ke pertanyaan sebelumnya
    /lewati - lewati pertanyaan yang tidak wajib
    /ringkasan - lihat jawaban Anda
    /bahasa - ganti bahasa (Language)
    /ulang - mulai ulang dari awal
    /berhenti - berhenti ikut survei
    /datasaya - lihat data Anda yang tersimpan
    /ubah - ubah salah satu jawaban Anda
    /hapus - hapus data dan jawaban Anda
lang-ask = Pilih bahasa / Choose a language:
lang-changed = Baik, kita lanjut dalam Bahasa Indonesia.
lang-not-offered = Survei ini tidak tersedia dalam bahasa itu.
restart-confirm = Yakin ingin mengulang dari awal? Semua jawaban Anda akan dihapus. Balas ya atau tidak.
restart-done = Baik, kita mulai lagi dari awal.
stop-confirm = Yakin ingin berhenti ikut survei? Balas ya atau tidak.
stop-done = Baik, Anda sudah berhenti dari survei ini dan tidak akan dihubungi lagi. Terima kasih. Jika berubah pikiran, ketik /mulai.
cancelled = Baik, kita lanjutkan.
completed =
    { $name ->
        [none] Terima kasih! Jawaban Anda sudah tersimpan.
       *[other] Terima kasih, { $name }! Jawaban Anda sudah tersimpan.
    }
    Ketik /ringkasan untuk melihat ringkasan jawaban Anda.
# Setelah kata penutup alur (outro), yang sudah berterima kasih: tanpa terima kasih kedua.
completed-saved =
    Jawaban Anda sudah tersimpan.
    Ketik /ringkasan untuk melihat ringkasan jawaban Anda.
already-completed = Anda sudah menyelesaikan survei ini. Terima kasih! Ketik /ringkasan untuk melihat jawaban Anda, atau /ulang untuk mengisi ulang.
summary-title = Ringkasan jawaban Anda:
summary-empty = Belum ada jawaban.
summary-skipped = (dilewati)
resume = Selamat datang kembali! Kita lanjutkan dari pertanyaan terakhir.
expired = Maaf, survei ini sudah ditutup. Terima kasih atas perhatian Anda.
opted-out-info = Anda sudah berhenti dari survei ini. Ketik /mulai jika ingin ikut lagi.
stale-button = Tombol itu untuk pertanyaan sebelumnya. Silakan jawab pertanyaan yang terakhir.
unknown-command = Perintah { $command } tidak dikenal. Ketik /bantuan untuk daftar perintah.
yes = Ya
no = Tidak
lang-name = Bahasa Indonesia
more-hint = Balas ya atau tidak.

# Hak atas data pribadi (UU No. 27 Tahun 2022): berhenti, lihat, ubah, hapus.
stop-keep-ask = Sesuai persetujuan penggunaan data, Anda boleh memilih: simpan jawaban yang sudah Anda berikan? Balas ya untuk menyimpan, atau tidak untuk menghapusnya.
stop-kept = Baik, jawaban yang sudah Anda berikan tetap disimpan. Anda tidak akan dihubungi lagi. Jika berubah pikiran, ketik /mulai.
stop-deleted = Baik, jawaban Anda sudah dihapus. Anda tidak akan dihubungi lagi. Jika berubah pikiran, ketik /mulai.
erase-confirm = Yakin ingin menghapus semua jawaban dan data pribadi Anda? Ini tidak bisa dibatalkan, dan obrolan ini tidak lagi terhubung dengan survei. Balas ya atau tidak.
erase-done = Data pribadi dan semua jawaban Anda sudah dihapus. Terima kasih.
edit-nothing = Belum ada jawaban yang bisa diubah.
edit-pick = Jawaban mana yang ingin Anda ubah? Balas dengan nomornya.
edit-pick-invalid = Mohon balas dengan nomor 1 sampai { $max }.
edit-ask = Silakan jawab lagi:
edit-done = Jawaban Anda sudah diubah.
mydata-title = Data Anda yang tersimpan
mydata-roster = Dari daftar alumni:
mydata-answers = Jawaban Anda:
mydata-none = (tidak ada)
mydata-rights = Ketik /ubah untuk mengubah jawaban, atau /hapus untuk menghapus data dan jawaban Anda.
mydata-name = Nama
mydata-external-id = Nomor induk (NISN/NIM)
mydata-birth-date = Tanggal lahir
mydata-phone = Nomor telepon
mydata-email = Email
mydata-cohort = Angkatan
mydata-programme = Program/kompetensi keahlian
mydata-school = Sekolah/unit
mydata-province = Provinsi

hint-lookup = Ketik beberapa huruf namanya (atau kodenya), lalu pilih dari daftar yang muncul.
hint-lookup-other = Ketik beberapa huruf namanya (atau kodenya), lalu pilih dari daftar yang muncul. Jika tidak ada di daftar, tulis «tidak ada di daftar».
lookup-pick = Yang cocok dengan «{ $typed }» — pilih salah satu (balas dengan nomornya):
lookup-none = Tidak ada yang cocok dengan «{ $typed }». Coba ketik beberapa huruf lain dari namanya, atau kodenya.
lookup-none-other = Tidak ada yang cocok dengan «{ $typed }». Coba ketik beberapa huruf lain dari namanya, atau kodenya. Jika memang tidak ada di daftar, tulis «tidak ada di daftar».
lookup-taken = Tercatat: { $name } ({ $code }).

# Task i13: declining a `refusable` question.
refused = Baik, pertanyaan ini tidak perlu dijawab.
refuse-hint = (Jika tidak ingin menjawab, ketik «rahasia»)
refuse-button = Tidak mau menjawab
summary-refused = (tidak mau menjawab)
