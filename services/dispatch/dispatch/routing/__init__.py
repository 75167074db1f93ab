"""Free-text routing of cases to departments (pure library: no DB, web or Kafka).

    from dispatch.routing import RoutingModel, load_departments_csv, load_examples_csv
    model = RoutingModel.train(load_departments_csv(d), load_examples_csv(t))
    p = model.predict("楼道里有人给电动车充电")   # p.department, p.confidence, p.candidates

Command line: ``python -m dispatch.routing evaluate|train --help``.
See :mod:`dispatch.routing.model` for the method (features, classifier, calibration).
"""

# The public names are listed once, in model.__all__.
from .model import *  # noqa: F403
from .model import __all__  # noqa: F401
