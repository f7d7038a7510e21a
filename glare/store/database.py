"""The "database" store: blob data kept in SQL, in chunks (to be written)."""


class DatabaseStore:
    def __init__(self, conf):
        self.conf = conf
