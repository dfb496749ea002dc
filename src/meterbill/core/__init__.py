"""The pure billing core: frozen values and pure functions, standard library only.

Nothing here reads the clock, touches a database or imports a web framework; an architecture
test (``tests/architecture``) enforces that ``core`` imports only the standard library and itself.
"""
