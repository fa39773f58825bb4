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
