from gpu_calc.cli import main

main()
