"""Integration-test harness for the tgmesh Mosquitto plugin.

Independent oracles (protobuf codec, Meshtastic crypto) written from the docs'
field tables, plus a fake Telegram Bot API, a raw MQTT client and a broker runner.
"""
