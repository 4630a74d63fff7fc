"""Flask extensions, created unbound here and bound to an app with ``init_app`` in the factory."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from tours.models import Base

#: the models are plain SQLAlchemy classes from ``tours``; Flask-SQLAlchemy only manages sessions
db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
#: no default limits: limits are declared where abuse is possible (login, token use)
limiter = Limiter(key_func=get_remote_address, default_limits=[])
