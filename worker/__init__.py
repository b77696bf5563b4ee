"""Worker process wiring: builds clients and engines, registers task queues."""
