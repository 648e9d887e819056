"""The template's kit: the generic machinery every job of this repo runs on. Comes from the template; see README.md."""
