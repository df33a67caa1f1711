// Keeps test output readable: services log only warnings and errors unless asked.
process.env.LOG_LEVEL ??= 'warn';
