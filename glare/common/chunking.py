"""The size of the chunks blob data moves in, from the socket to a store."""

#: bytes per chunk moved between the socket, the digests and the stores
CHUNK_SIZE = 1 << 20
