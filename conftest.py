# Monkey-patch before anything imports pymongo, kafka or socket users (STACK-NOTES 1).
import eventlet

eventlet.monkey_patch()
