"""Extensions, created unbound here and bound to the app in ``create_app``."""

from typing import TYPE_CHECKING, ClassVar, TypeAlias

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so Alembic can alter them (SQLite batch mode needs the names).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model maps one table of its own (no joins, no inheritance).
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)

# The base of every model. At run time it is ``db.Model``, which Flask-SQLAlchemy builds from
# Base's bases and its own mixins (table names from class names, binds); a type checker cannot
# take a base class from an attribute, so it is shown Base, which has the same mapping API.
if TYPE_CHECKING:
    Model: TypeAlias = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
