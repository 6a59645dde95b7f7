x = [1, (2, 3), {"a": -4}]
y = r"\d" 'b'
z = """doc
string"""
