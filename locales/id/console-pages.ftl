# Staff console: exports, flows, audit and accounts pages (ids start with c-).

## Exports
c-export-answers-csv = Jawaban (CSV)
c-export-answers-csv-excel = Jawaban (CSV untuk Excel berbahasa Indonesia)
c-export-answers-xlsx = Jawaban (Excel)
c-export-codebook = Buku kode: arti setiap kolom (CSV)
c-export-report = Laporan tingkat respons (Excel), per
c-export-needs-manager = hanya untuk admin dan operator, karena berisi data pribadi
c-export-scope-note = Berkas hanya berisi responden dari sekolah yang boleh Anda lihat.
c-export-formula-note = Isian yang diawali =, +, - atau @ diberi tanda ' di depannya, supaya Excel tidak menjalankannya sebagai rumus.
c-export-failed = Berkas ekspor tidak dapat dibuat. Coba lagi sebentar.
c-export-file-answers = jawaban
c-export-file-codebook = buku-kode
c-export-file-report = laporan-respons

## Flows
c-flows-id = Kode
c-flows-version = Versi
c-flows-title = Judul
c-flows-questions = Pertanyaan
c-flows-languages = Bahasa
c-flows-state = Status
c-flows-open-link = Tautan terbuka (tanpa undangan pribadi)
c-flows-yes = ya
c-flows-no = tidak
c-flows-running = berjalan
c-flows-closed-on = ditutup sejak { $date }
c-flows-closes = berjalan sampai { $date }
c-flows-check = Pemeriksaan berkas alur survei
c-flows-no-dir = Folder alur survei tidak diatur, jadi berkasnya tidak dapat diperiksa di sini.
c-flows-dir-unreadable = Folder alur survei tidak dapat dibaca.
c-flows-no-files = Tidak ada berkas alur survei (.yaml) di folder itu.
c-flows-check-ok = baik: alur { $id } versi { $version }, { $questions } pertanyaan
c-flows-check-errors = { $count } kesalahan
c-flows-preview-title = Pratinjau: { $title }
c-flows-back = Kembali ke daftar alur survei
c-flows-lang-id = Bahasa Indonesia
c-flows-lang-en = Bahasa Inggris
c-flows-optional = boleh dilewati
c-flows-required = wajib
c-flows-repeat = diulang ({ $group })
c-flows-exclusive = tidak bisa digabung
c-flows-range = Rentang:
c-flows-when = Ditanyakan jika:
c-flows-follows = Pertanyaan lanjutan untuk { $code } = { $option }
c-flows-type-text = teks
c-flows-type-integer = bilangan bulat
c-flows-type-decimal = bilangan desimal
c-flows-type-money = rupiah
c-flows-type-single = pilih satu
c-flows-type-multi = pilih beberapa
c-flows-type-likert = skala
c-flows-type-yesno = ya/tidak
c-flows-type-date = tanggal
c-flows-type-month-year = bulan dan tahun
c-flows-type-phone = nomor HP
c-flows-type-email = email
c-cond-and = dan
c-cond-or = atau
c-cond-not = tidak benar bahwa
c-cond-one-of = salah satu dari
c-cond-has = memilih
c-cond-answered = sudah dijawab
c-cond-not-answered = belum dijawab
c-cond-field = data roster "{ $field }"
c-cond-yes = ya
c-cond-no = tidak

## Audit
c-audit-time = Waktu
c-audit-actor = Siapa
c-audit-action = Tindakan
c-audit-detail = Rincian
c-audit-address = Alamat
c-audit-empty = Tidak ada catatan yang cocok.
c-audit-limited = Hanya { $count } catatan terbaru yang ditampilkan. Persempit saringan untuk melihat yang lebih lama.

## Accounts
c-accounts-role = Peran
c-accounts-schools = Sekolah
c-accounts-state = Keadaan
c-accounts-actions = Ubah
c-accounts-active = aktif
c-accounts-disabled = dinonaktifkan
c-accounts-one-time = belum mengganti kata sandi
c-accounts-you = Anda
c-accounts-self = Akun Anda sendiri: ganti kata sandi lewat halaman kata sandi.
c-accounts-save-role = Simpan peran
c-accounts-disable = Nonaktifkan
c-accounts-enable = Aktifkan
c-accounts-reset = Kata sandi baru
c-accounts-new = Akun baru
c-accounts-create = Buat akun
c-accounts-schools-one-per-line = Sekolah (satu per baris; kosongkan untuk admin)
c-accounts-schools-help = Sekolah ditulis satu per baris. Operator wajib punya sekolah; pemantau tanpa sekolah melihat angka semua sekolah; admin melihat semuanya.
c-accounts-roles-help = Admin: semuanya, termasuk akun staf. Operator: roster, gelombang, ekspor dan responden sekolahnya. Pemantau: hanya angka, tanpa data pribadi.
c-accounts-created = Akun { $email } sudah dibuat.
c-accounts-was-reset = Kata sandi { $email } sudah diganti; semua sesinya sudah diakhiri.
c-accounts-one-time-password = Kata sandi sekali pakai:
c-accounts-one-time-note = Sampaikan kata sandi ini kepada pemilik akun. Kata sandi ini hanya ditampilkan sekali dan harus diganti saat masuk pertama kali.
c-accounts-done-role = Peran dan sekolah sudah disimpan.
c-accounts-done-disabled = Akun dinonaktifkan; semua sesinya sudah diakhiri.
c-accounts-done-enabled = Akun diaktifkan kembali.
c-accounts-bad-email = Itu bukan alamat email.
c-accounts-bad-role = Pilih peran: admin, operator atau pemantau.
c-accounts-operator-needs-school = Operator harus punya paling sedikit satu sekolah.
c-accounts-admin-no-school = Admin melihat semua sekolah: kosongkan isian sekolah.
c-accounts-exists = Sudah ada akun dengan email itu.
c-accounts-not-self = Anda tidak dapat menonaktifkan, menurunkan peran atau mengganti kata sandi akun Anda sendiri di sini.

## i15: WhatsApp dead letters
c-nav-whatsapp = WhatsApp gagal
c-wa-dead-intro = Kiriman WhatsApp yang gagal diproses tiga kali. Isinya (nomor dan pesan) tidak ditampilkan. Perbaiki penyebabnya, lalu coba lagi.
c-wa-dead-empty = Tidak ada kiriman WhatsApp yang gagal.
c-wa-received = Diterima
c-wa-dead-at = Dihentikan
c-wa-reason = Alasan
c-wa-retry = Coba lagi
c-wa-retried-now = Kiriman sedang diproses lagi.
c-wa-retried-later = Kiriman akan diproses lagi saat bot dimulai ulang (kanal WhatsApp tidak berjalan di proses ini).
c-wa-retry-gone = Kiriman itu sudah tidak ada dalam daftar gagal.

## i15: data rights and the retention purge in the console
c-rights-title = Hak atas data
c-rights-intro = Untuk permintaan alumni lewat surat atau e-mail (UU No. 27 Tahun 2022). Setiap tindakan butuh alasan dan dicatat di log audit.
c-rights-reason = Alasan (permintaan yang dijawab)
c-rights-show = Lihat semua data tersimpan
c-rights-export = Unduh data (JSON)
c-rights-delete = Hapus data
c-rights-reason-needed = Tuliskan alasannya (permintaan yang dijawab).
c-rights-back = Kembali ke halaman responden
c-rights-cancel = Batal
c-rights-shown-for = Alasan: { $reason }
c-rights-erased-at = Data pribadi responden ini sudah dihapus pada { $at }.
c-rights-roster = Data daftar alumni
c-rights-delete-confirm = Hapus data pribadi dan jawaban { $name } (#{ $id })? Ini tidak bisa dibatalkan. Barisnya tetap ada tanpa data pribadi agar hitungan laporan tidak berubah.
c-rights-delete-yes = Ya, hapus permanen
c-rights-deleted = Data pribadi dan jawaban responden #{ $id } sudah dihapus.
c-nav-purge = Masa simpan
c-purge-intro = Yang akan dihapus oleh pembersihan masa simpan (seperti `jejak purge --dry-run`), per alur dan angkatan, tanpa nama, per
c-purge-none = Tidak ada data yang melewati masa simpannya.
c-purge-no-retention = Tidak ada alur yang menyatakan masa simpan (`retention`).
c-purge-would = { $n } responden akan dihapus data pribadi dan jawabannya.
c-purge-sessions = Sesi
c-purge-run = Jalankan pembersihan sekarang
c-purge-done = Data pribadi dan jawaban { $n } responden sudah dihapus.
