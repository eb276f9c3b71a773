"""Chinese-language customer-retention chatbot and script coach for telecom operators."""

__version__ = "0.1.0"
