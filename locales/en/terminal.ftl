# The survey in a terminal (jejak chat): the terminal's own lines, around the bot's messages.
# $command is the command exactly as it was typed to open this chat.

term-intro = (Type your answer and press Enter. /help for help, /quit or Ctrl-D to leave; your answers are saved and you can continue later.)
term-answering-as = (Without --name, you are answering as “{ $who }”. If someone else is answering, they run: { $command } --name "Your Name")
term-continuing-as = (Note: “{ $who }” is { $name }, so this continues { $name }'s survey. For someone else, run it with --name only or another --as.)
term-help-quit = /quit - leave this chat (your answers are saved)
term-bye =
    Goodbye! Your answers are saved. To continue, run again:
    {"  "}{ $command }
term-bye-done =
    Goodbye! To see your answers again, run:
    {"  "}{ $command }
