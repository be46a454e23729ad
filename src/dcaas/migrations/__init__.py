"""Alembic migrations, shipped inside the package so ``dcaas migrate`` works anywhere."""
