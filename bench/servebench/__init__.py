"""The serving benchmark's parts (bench/serve_benchmark.py runs them): the data set, the queries each system
answers, the systems, the load generator, the measurements and the report."""
