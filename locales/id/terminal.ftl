# Survei di terminal (jejak chat): baris-baris milik terminal sendiri, di luar pesan bot.
# $command adalah perintah persis seperti yang diketik untuk membuka chat ini.

term-intro = (Ketik jawaban lalu Enter. /bantuan untuk bantuan, /keluar atau Ctrl-D untuk keluar; jawaban tersimpan dan bisa dilanjutkan nanti.)
term-answering-as = (Tanpa --name, Anda menjawab sebagai “{ $who }”. Jika orang lain yang mengisi, ia menjalankan: { $command } --name "Nama Anda")
term-continuing-as = (Catatan: “{ $who }” adalah { $name }, jadi ini melanjutkan survei { $name }. Untuk orang lain, jalankan dengan --name saja atau --as yang lain.)
term-help-quit = /keluar - keluar dari chat ini (jawaban tersimpan)
term-bye =
    Sampai jumpa! Jawaban Anda tersimpan. Untuk melanjutkan, jalankan lagi:
    {"  "}{ $command }
term-bye-done =
    Sampai jumpa! Untuk melihat jawaban Anda lagi, jalankan:
    {"  "}{ $command }
