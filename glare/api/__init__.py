"""The Glare REST API: middleware stack and pecan controllers."""
