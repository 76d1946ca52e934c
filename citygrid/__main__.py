from citygrid.cli import main

main()
