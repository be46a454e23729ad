from dcaas.cli import main

main()
