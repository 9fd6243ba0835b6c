"""The long-running TC2 program: supervisor of data collection, trading, jobs and streams."""
