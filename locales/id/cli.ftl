# Messages of the jejak command line for staff (reports, imports, exports, waves).

## jejak report: column headers (table, CSV, XLSX). English keeps the old machine-style names.
cli-col-group = Kelompok
cli-col-cohort = Angkatan
cli-col-programme = Jurusan
cli-col-school = Sekolah
cli-col-roster = Roster
cli-col-invited = Diundang
cli-col-started = Mulai
cli-col-completed = Selesai
cli-col-opted-out = Menolak
cli-col-unreachable = Tak terjangkau
cli-col-reachable = Terjangkau
cli-col-gross-rate = Respons kotor
cli-col-net-rate = Respons bersih
cli-col-after-wave = Setelah gelombang { $id } ({ $name })
cli-col-after-none = Tanpa gelombang
cli-total = TOTAL
cli-blank-group = (kosong)
cli-report-flow = Survei: { $flow }
cli-report-by-wave = Yang selesai, menurut gelombang pengingat terakhir sebelum mereka selesai:
cli-report-wave-line = gelombang { $id } ({ $name }): { $n }
cli-report-no-wave = tanpa gelombang: { $n }
cli-sheet-report = Respons
cli-sheet-waves = Gelombang
cli-col-wave-id = ID gelombang
cli-col-wave = Gelombang
cli-col-completions-after = Selesai setelahnya
cli-wave-none-label = tanpa gelombang
cli-report-help =
    Arti setiap kolom:
      Roster           responden yang punya sesi survei ini (diimpor dengan `jejak roster
                       import --flow`, atau mulai lewat tautan terbuka)
      Diundang         punya token pribadi dan sudah dikirimi pesan gelombang survei ini,
                       atau sudah terhubung ke saluran chat, atau tautannya sudah diekspor
                       dengan `jejak invite --flow`
      Mulai            sesinya sudah lewat tahap undangan (persetujuan, menjawab, selesai,
                       menolak, atau kedaluwarsa setelah menjawab minimal satu pertanyaan)
      Selesai          punya sesi survei ini yang sudah selesai
      Menolak          tidak setuju atau berhenti, dan belum selesai
      Tak terjangkau   platform menolak mengirim (bot diblokir, nomor tidak aktif)
      Terjangkau       Roster - Tak terjangkau
      Respons kotor    Selesai / Roster
      Respons bersih   Selesai / Terjangkau
      Setelah gelombang N (nama)
                       yang selesai dihitung untuk pesan gelombang terakhir survei ini yang
                       dikirim kepadanya sebelum selesai; Tanpa gelombang: tidak ada pesan
                       gelombang sebelumnya

    Bahasa: --lang id|en (atau JEJAK_LANG, atau LANG); bawaan bahasa Indonesia. Skrip yang
    membaca CSV sebaiknya memakai --lang en: nama kolomnya tetap (roster, invited, …,
    after_wave_N_nama, after_none).

## jejak roster import
cli-import-summary = { $rows } baris dibaca: { $loaded } dimuat ({ $new } baru, { $updated } diperbarui), { $rejected } ditolak, { $enrolled } baru masuk roster survei
cli-import-rejected = baris { $line }: ditolak: { $reasons }
cli-import-warning = baris { $line }: perhatian: { $reasons }
cli-import-workbook-named-csv = Berkas ini buku kerja Excel (.xlsx) yang bernama .csv; dibaca sebagai .xlsx. Lain kali unggah dengan nama .xlsx.
cli-import-windows-1252 = Berkas ini bukan UTF-8; seluruhnya dibaca sebagai Windows-1252 (CSV biasa dari Excel). Periksa huruf seperti é atau ñ; bila ada yang salah, simpan sebagai "CSV UTF-8" lalu impor lagi.
cli-import-took = selesai dalam { $secs } detik
cli-import-failed = Roster { $file } tidak bisa diimpor
cli-import-empty = berkas kosong: baris pertama harus berisi judul kolom (nisn, nama, no_hp, …)
cli-import-header = baris { $line }: { $reason }
cli-header-no-id = tidak ada kolom NISN/NIM: tambahkan kolom berjudul nisn, nim atau external_id (kunci untuk memperbarui data saat impor ulang)
cli-header-duplicate = kolom { $first } dan { $second } sama-sama berarti `{ $field }`; pakai salah satu saja
cli-header-duplicate-extra = kolom { $first } dan { $second } sama-sama berjudul `{ $name }`
cli-read-io = { $path } tidak bisa dibaca: { $error }
cli-read-csv = { $path }: baris { $line }: { $error }
cli-read-xlsx = { $path }: bukan berkas XLSX yang bisa dibaca: { $error }
cli-read-old-workbook = { $path }: buku kerja Excel 97-2003 (.xls); simpan sebagai .xlsx atau "CSV UTF-8" lalu impor lagi
cli-read-unknown-type = { $path }: jenis berkas tidak dikenal; simpan roster sebagai .csv atau .xlsx

## Reasons a roster row is rejected or flagged (also shown on the console's upload page)
cli-row-too-many-cells = ada { $cells } sel, padahal baris judul hanya punya { $columns } kolom
cli-row-too-long = { $column }: lebih dari { $max } karakter
cli-row-control = { $column }: berisi karakter kontrol
cli-row-phone = no_hp: { $value } bukan nomor HP
cli-row-email = email: { $value } bukan alamat e-mail
cli-row-zone = zona_waktu: { $value } bukan WIB, WITA, WIT atau zona waktu seperti Asia/Makassar
cli-row-language = bahasa: { $value } bukan id atau en
cli-row-date = tanggal_lahir: { $value } bukan tanggal (contoh 17-08-2005 atau 2005-08-17)
cli-row-no-id = nisn/external_id: kosong (setiap baris perlu NISN/NIM)
cli-row-province = provinsi: { $value } tidak dikenal; zona waktu dibiarkan kosong (dianggap WIB)
cli-row-repeat = NISN/NIM { $value } juga ada di baris { $first }; isi baris ini yang dipakai jika tidak kosong

## jejak invite
cli-invite-none = belum ada responden di roster survei `{ $flow }`: impor dulu dengan `jejak roster import BERKAS --flow { $flow }`
cli-invite-wrote = { $n } undangan ditulis ke { $out }
cli-invite-wrote-qr = { $n } undangan ditulis ke { $out }, { $qr } kode QR ke { $dir }
cli-invite-failed = Undangan tidak bisa dibuat
cli-invite-no-target = belum ada tujuan tautan: isi [telegram] bot_username (TELEGRAM_BOT_USERNAME) [whatsapp] business_number (WHATSAPP_BUSINESS_NUMBER) dan/atau [server] public_url (JEJAK_PUBLIC_URL, untuk tautan obrolan web)
cli-invite-bad-username = { $value } bukan nama pengguna bot Telegram (5–32 huruf A-Z a-z, angka 0-9 atau _)
cli-invite-bad-number = { $value } bukan nomor WhatsApp dalam bentuk internasional (contoh +62 812 3456 7890)
cli-invite-unknown-type = { $path }: tulis undangan ke berkas .csv atau .xlsx

## jejak export
cli-exported = { $n } responden dari survei `{ $flow }` diekspor
cli-export-codebook-xlsx = buku kode hanya ditulis sebagai CSV: hapus --format xlsx
cli-export-xlsx-needs-out = --format xlsx perlu --out BERKAS.xlsx
cli-export-failed = Jawaban survei `{ $flow }` tidak bisa diekspor

## Shared errors
cli-err-create = { $path } tidak bisa dibuat
cli-err-write = { $path } tidak bisa ditulis
cli-err-no-flow = tidak ada berkas survei `{ $arg }` dan tidak ada survei dengan id itu di folder flows/
cli-err-flows-dir = `{ $arg }` bukan berkas, dan folder flows/ tidak bisa dibaca
cli-err-flow-invalid = Berkas survei { $path } tidak bisa dipakai
cli-err-by = --by { $by }: pilih cohort, programme atau school
cli-err-format = --format { $format }: pilih table, csv atau xlsx
cli-err-report = Laporan survei `{ $flow }` tidak bisa dibuat

## jejak flow check / flow test
cli-flow-ok = { $file }: baik ({ $questions } pertanyaan, survei `{ $flow }` versi { $version })
cli-flow-errors = { $file }: { $n } kesalahan
cli-transcript-ok = ok    { $path } ({ $name })
cli-transcript-fail = GAGAL { $path } ({ $name })
cli-flow-no-transcripts = { $file }: tidak ada transkrip di { $dir }
cli-flow-unreached = { $file }: pertanyaan yang tidak dicapai transkrip mana pun: { $codes }
cli-flow-passed = { $file }: { $passed }/{ $total } transkrip lulus
cli-flow-passed-all = { $file }: { $passed }/{ $total } transkrip lulus, setiap pertanyaan tercapai
cli-flow-transcripts-failed = Transkrip di { $dir } tidak bisa dibaca

## jejak wave
cli-wave-added = gelombang { $id } ditambahkan: { $name }
cli-wave-none = belum ada gelombang
cli-wave-not-found = tidak ada gelombang { $id }
cli-wave-now = gelombang { $id } sekarang { $state }
cli-wave-cannot = gelombang { $id } sedang { $state }; tidak bisa dibuat { $to }
cli-wave-state-active = aktif
cli-wave-state-paused = dijeda
cli-wave-state-cancelled = dibatalkan
cli-wave-state-finished = selesai
cli-wave-no-messages = belum ada pesan
cli-wave-at = pada { $when }
cli-wave-cron = cron "{ $cron }"
cli-wave-until = sampai { $when }
cli-wave-show-title = gelombang { $id } "{ $name }" ({ $state })
cli-wave-show-flow = survei:         { $value }
cli-wave-show-message = isi pesan:      { $value }
cli-wave-show-schedule = jadwal:         { $value }
cli-wave-show-next = berikutnya:     { $value }
cli-wave-show-audience = sasaran:        { $segment } (status { $status })
cli-wave-show-cap = paling banyak:  { $n } per orang
cli-wave-show-gap = jeda minimal:   { $value }
cli-wave-show-messages = pesan terkirim: { $value }
cli-wave-dry-run = uji coba (jika berjalan sekarang):
cli-wave-would-receive = akan menerima sekarang: { $n }
cli-wave-excluded = dikecualikan:
cli-wave-quiet-detail = ({ $zones }; dikirim setelah jam tenang berakhir)
cli-excl-completed = sudah selesai
cli-excl-opted-out = menolak
cli-excl-expired = survei ditutup
cli-excl-unreachable = tak terjangkau
cli-excl-no-channel = tanpa chat
cli-excl-other-status = status lain
cli-excl-cap-reached = batas tercapai
cli-excl-too-soon = terlalu cepat
cli-excl-quiet-hours = jam tenang

## Opening the store, adding a wave
cli-err-config = Berkas pengaturan (jejak.toml) tidak bisa dibaca
cli-err-database = Basis data tidak bisa dibuka
cli-wave-add-failed = Gelombang tidak bisa ditambahkan
cli-wave-past = Gelombang tidak ditambahkan: { $value } sudah lewat, jadi pengingat akan langsung terkirim ke semua orang sekaligus. Pilih waktu yang akan datang, atau pakai --now bila memang ingin mengirim sekarang.

## jejak demo
cli-demo-preparing = Menyiapkan demo di folder { $dir } …
cli-demo-ready = Demo Jejak berjalan. Buka tautan ini di peramban (ponsel atau laptop):
cli-demo-alumnus = Obrolan web alumni contoh ({ $name }): { $link }
cli-demo-console = Konsol staf: { $url }
cli-demo-account = Masuk sebagai { $email }, kata sandi sekali pakai: { $password } (diganti saat masuk pertama)
cli-demo-sheet = Tautan pribadi semua alumni demo: { $file }
cli-demo-stop = Berhenti dengan Ctrl-C. Jalankan jejak demo lagi untuk melanjutkan dengan data yang sama; untuk mulai dari awal, hapus folder { $dir }.

## jejak backup
cli-backup-done = Cadangan tersimpan di { $path } ({ $kib } KiB). Untuk memulihkan: hentikan jejak, salin berkas itu menjadi jejak.db di folder data, lalu jalankan lagi.
cli-backup-exists = { $path } sudah ada; pilih nama berkas baru agar cadangan lama tidak tertimpa.
cli-backup-failed = Cadangan ke { $path } gagal
cli-backup-postgres = jejak backup hanya untuk SQLite. Basis data ini PostgreSQL: cadangkan dengan pg_dump, misalnya pg_dump --format=custom --file=jejak.dump "$DATABASE_URL", dan pulihkan dengan pg_restore.

## jejak respondent: permintaan pemilik data (UU No. 27 Tahun 2022)
cli-resp-reason-needed = Sebutkan alasannya dengan --reason (misalnya "permintaan lewat email tanggal 3 Desember"); alasan itu dicatat di log audit.
cli-resp-not-found = Responden { $id } tidak ada.
cli-resp-title = Responden { $id }
cli-resp-erased = Datanya sudah dihapus atas permintaan pada { $at }.
cli-resp-channels = Saluran chat:
cli-resp-session = Survei { $flow }: { $status }, { $n } jawaban
cli-resp-exported = Data responden { $id } ditulis ke { $file }.
cli-resp-deleted = Data pribadi dan jawaban responden { $id } sudah dihapus; barisnya tetap ada tanpa data pribadi agar hitungan laporan tidak berubah.

## jejak doctor
cli-doctor-title = Pemeriksaan pengaturan Jejak (tidak ada yang diubah):
cli-doctor-config-file = Berkas pengaturan { $path } terbaca.
cli-doctor-config-none = Tidak ada { $path }; pengaturan diambil dari variabel lingkungan.
cli-doctor-config-bad = Berkas pengaturan { $path } tidak dapat dibaca: { $error }
cli-doctor-db-ok = Basis data ({ $db }) terjangkau dan skemanya terkini.
cli-doctor-db-migrations = Basis data ({ $db }) terjangkau, tetapi { $n } migrasi belum diterapkan ({ $versions }); `jejak run` menerapkannya saat mulai.
cli-doctor-db-nofile = Belum ada basis data ({ $db }); `jejak run` membuatnya saat pertama kali jalan.
cli-doctor-db-fail = Basis data ({ $db }) tidak terjangkau: { $error }
cli-doctor-flows-none = Tidak ada berkas alur survei (.yaml) di { $dir }.
cli-doctor-flow-ok = Alur { $file } ({ $flow } versi { $version }) valid.
cli-doctor-flow-bad = Alur { $file } punya { $n } kesalahan; jalankan `jejak flow check { $file }` untuk melihat letaknya.
cli-doctor-flow-unreadable = Alur { $file } tidak dapat dibaca: { $error }
cli-doctor-tg-off = Telegram tidak diatur (TELEGRAM_BOT_TOKEN kosong); dilewati.
cli-doctor-tg-config = Pengaturan Telegram salah: { $error }
cli-doctor-tg-rejected = Telegram menolak token bot ({ $error }); minta token yang berlaku dari @BotFather.
cli-doctor-tg-unreachable = Telegram tidak terjangkau di { $url }: { $error }
cli-doctor-tg-ok = Token Telegram berlaku: bot @{ $username }.
cli-doctor-tg-username = Nama bot di pengaturan (@{ $configured }) bukan nama bot token ini (@{ $actual }); tautan undangan akan menuju bot yang salah.
cli-doctor-tg-webhook-unknown = Status webhook Telegram tidak terbaca: { $error }
cli-doctor-tg-webhook-ok = Webhook Telegram mengarah ke { $url }.
cli-doctor-tg-webhook-other = Webhook Telegram mengarah ke { $actual }, bukan { $expected }; `jejak run` memasangnya ulang saat mulai.
cli-doctor-tg-webhook-none = Webhook Telegram belum terpasang (seharusnya { $expected }); `jejak run` memasangnya saat mulai.
cli-doctor-tg-webhook-polling = Ada webhook terpasang ({ $actual }) padahal pengaturannya mode polling; `jejak run` akan melepasnya.
cli-doctor-tg-polling = Telegram memakai mode polling (tanpa webhook).
cli-doctor-tg-webhook-error = Telegram terakhir gagal mengirim ke webhook: { $error }
cli-doctor-wa-off = WhatsApp tidak diatur; dilewati.
cli-doctor-wa-config = Pengaturan WhatsApp salah: { $error }
cli-doctor-wa-ok = Token WhatsApp berlaku untuk nomor { $number }.
cli-doctor-wa-rejected = WhatsApp menolak token akses ({ $error }); buat token baru di Meta Business (token sementara habis dalam 24 jam).
cli-doctor-wa-failed = Graph API menolak pemeriksaan nomor: { $error }
cli-doctor-wa-unreachable = Graph API WhatsApp tidak terjangkau: { $error }
cli-doctor-summary-ok = Semua pemeriksaan lulus.
cli-doctor-summary-fail = { $n } masalah harus diperbaiki sebelum `jejak run`.
## jejak report indicators
cli-ind-title = Indikator tracer study untuk alur { $flow } (responden yang selesai mengisi)
cli-ind-col-indicator = Indikator
cli-ind-col-value = Nilai
cli-ind-col-n = n
cli-ind-col-low = Batas bawah 95%
cli-ind-col-high = Batas atas 95%
cli-ind-col-response = Tingkat respons (%)
cli-ind-col-warning = Peringatan
cli-ind-employment = Bekerja atau wirausaha (%)
cli-ind-entrepreneurship = Wirausaha (%)
cli-ind-further-study = Melanjutkan studi (%)
cli-ind-bmw = BMW: bekerja, melanjutkan, wirausaha (%)
cli-ind-within-6-months = Mendapat kerja ≤ 6 bulan setelah lulus (%)
cli-ind-waiting-up-to-6 = Masa tunggu ≤ 6 bulan (%)
cli-ind-waiting-median = Masa tunggu, median (bulan)
cli-ind-waiting-mean = Masa tunggu, rata-rata (bulan)
cli-ind-horizontal-fit = Kesesuaian horizontal: pekerjaan sesuai bidang studi (%)
cli-ind-vertical-fit = Kesesuaian vertikal: tingkat pendidikan sesuai (%)
cli-ind-income-at-least-ump = Penghasilan ≥ UMP tempat kerja (%)
cli-ind-income-ratio-median = Penghasilan ÷ UMP, median
cli-ind-iku1 = IKU 1: kerja ≤ 6 bulan dengan ≥ 1,2 × UMP, studi lanjut atau wirausaha (%)
cli-ind-competency-gap = Kesenjangan kompetensi { $row } (dibutuhkan − saat lulus, rata-rata)
cli-ind-warn-response = tingkat respons { $rate }% di bawah 50%
cli-ind-warn-n = n = { $n } kurang dari 30
cli-ind-rule = Peringatan muncul bila tingkat respons kelompok (selesai ÷ daftar alumni) di bawah { $rate }% atau n di bawah { $n }: angkanya belum tentu mewakili seluruh angkatan. Interval 95% memakai metode Wilson; n = responden yang selesai dan menjawab pertanyaan yang dipakai.
cli-ind-sheet-total = Total
cli-ind-sheet-cohort = Angkatan
cli-ind-sheet-programme = Jurusan
cli-ind-sheet-school = Sekolah
cli-ind-chart = Indikator (%)
cli-ind-none = Alur { $flow } belum punya bagian `indicators:` (lihat docs/flows.md).
cli-err-flow-version-changed = Survei `{ $flow }` versi { $version } sudah tersimpan dengan isi yang berbeda. Naikkan nomor `version` di berkas survei, supaya responden yang sedang mengisi versi lama tetap bisa menyelesaikannya.
## jejak purge: retention (flow header `retention: 5y`)
cli-purge-no-retention = Tidak ada alur yang menyebut masa simpan (`retention:` di kepala alur), jadi tidak ada yang dihapus.
cli-purge-none = Tidak ada data yang melewati masa simpannya.
cli-purge-row = { $flow }, angkatan { $cohort }: { $n } sesi
cli-purge-would = { $n } responden akan dihapus (uji coba: belum ada yang diubah). Jalankan tanpa --dry-run untuk menghapusnya.
cli-purge-done = Data pribadi dan jawaban { $n } responden sudah dihapus; barisnya tetap ada tanpa data pribadi agar hitungan laporan tidak berubah. Dicatat di log audit.

# Task "faults": reminders whose outcome is unknown, in `wave show`.
cli-wave-show-uncertain = { $n } pesan tidak pasti: permintaannya sudah berangkat ke platform, tetapi jawabannya tidak datang (pengirim berhenti atau batas waktu habis). Mungkin sudah sampai; tidak dikirim ulang.
# import (h-import): Ctrl-C during a roster import
cli-import-interrupted = dihentikan (Ctrl-C) setelah { $loaded } baris tersimpan. Baris yang sudah tersimpan lengkap (beserta sesinya); jalankan perintah yang sama sekali lagi untuk memuat sisanya — baris yang sudah ada hanya diperbarui, tautan undangan tidak berubah.
## i15: WhatsApp dead letters
cli-wa-dead-none = Tidak ada kiriman WhatsApp yang gagal.
cli-wa-dead-line = #{ $id }  diterima { $received }, dihentikan { $dead }: { $reason }
cli-wa-retry-none = Tidak ada kiriman gagal #{ $id }.
cli-wa-retried = Kiriman #{ $id } menunggu lagi; diproses saat `jejak run` dimulai berikutnya.
## The system's file and connection errors, in the staff's words (i18n::io_text)
cli-io-not-found = berkas atau folder itu tidak ada
cli-io-permission = tidak ada izin (periksa pemilik dan hak akses berkas atau foldernya)
cli-io-is-directory = itu folder, bukan berkas
cli-io-not-directory = bagian jalurnya bukan folder
cli-io-exists = sudah ada
cli-io-disk-full = disk penuh
cli-io-read-only = disk hanya bisa dibaca
cli-io-refused = sambungan ditolak (layanannya belum berjalan di alamat itu?)
cli-io-invalid-data = isinya bukan teks UTF-8 (simpan berkasnya sebagai UTF-8)
cli-io-timed-out = waktu tunggu habis
# A flow file that cannot be read at all (FlowError::Io)
cli-flow-io = { $path }: berkas survei tidak bisa dibaca: { $error }
