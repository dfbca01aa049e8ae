"""The Spark job as an application file for spark-submit (which runs files, not modules):

    spark-submit [--master URL] python/spark_job.py INPUT... -o OUT [options]

takes the arguments of `python -m wiretrace.spark`; the wiretrace package must be installed
in the Python that the driver and the executors run."""
import sys

from wiretrace.spark import main

sys.exit(main())
