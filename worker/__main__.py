"""`python -m worker`: run one worker process with the settings from the environment."""

from worker.main import main

main()
