import Alarming
